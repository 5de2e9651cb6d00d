"""Every figure of geoinv, in one style.

Plot functions take plain arrays or DataFrames (the example figures also
the forward model, for its survey and labels), draw on the Axes or Figure
they are given, create a figure only when given none, return what they drew
on, and never call ``plt.show()``.  The modules, by role:

- :mod:`~geoinv.viz.style`: colours of splits and methods, line styles of
  the true and fitted models, mathtext labels and units, figure helpers
  (the one style module);
- :mod:`~geoinv.viz.training`: loss history, learning curves;
- :mod:`~geoinv.viz.accuracy`: predicted vs true, metric summary, data
  misfits;
- :mod:`~geoinv.viz.layered`: layered models as steps, ensemble bands;
- :mod:`~geoinv.viz.soundings`: sounding curves beside their models on a
  log depth axis (VES, MT);
- :mod:`~geoinv.viz.traveltimes`: refraction travel times beside the
  velocity models (linear depth);
- :mod:`~geoinv.viz.bodies`: anomaly profiles over true-scale sections of
  buried bodies (gravity, magnetics, SP);
- :mod:`~geoinv.viz.examples`: inversion examples of any forward model,
  one row each (network and network -> LM together), the figure chosen by
  the model's ``kind``;
- :mod:`~geoinv.viz.sections`: stitched profile sections;
- :mod:`~geoinv.viz.field`: field data: one sounding's fit, a survey's
  section (what ``geoinv invert`` draws).

Every public function is importable from here (``geoinv.viz.plot_history``).
"""

from .accuracy import (plot_metric_summary, plot_misfit_by_method, plot_misfit_histogram,
                       plot_predicted_vs_true)
from .bodies import (body_outline, plot_anomaly_over_body, plot_body_example,
                     plot_self_potential_example, section_depth)
from .examples import (EXAMPLE_FIGURES, example_height, examples_height, plot_example,
                       plot_example_bands, plot_examples, plot_generic_example)
from .field import (error_bar_lengths, plot_sounding_fit, plot_sounding_posterior,
                    plot_survey_section)
from .layered import (layer_steps, log_depth_top, models_depth_max, plot_layered_model,
                      plot_layered_model_band)
from .sections import (layered_section, mark_flags, plot_profile_sections, plot_section,
                       position_edges)
from .soundings import (phase_limits, plot_mt_example, plot_refraction_example, plot_sounding,
                        plot_ves_example, plot_ves_reconstruction, plot_ves_reconstructions)
from .style import (METHOD_LABELS, model_style, quantity_label, split_color, split_label,
                    tex_symbol, tex_unit)
from .training import plot_history, plot_learning_curve

__all__ = [
    # style
    "METHOD_LABELS", "split_color", "split_label", "model_style", "tex_symbol", "tex_unit",
    "quantity_label",
    # training
    "plot_history", "plot_learning_curve",
    # accuracy
    "plot_predicted_vs_true", "plot_metric_summary", "plot_misfit_histogram",
    "plot_misfit_by_method",
    # layered models
    "layer_steps", "models_depth_max", "log_depth_top", "plot_layered_model",
    "plot_layered_model_band",
    # soundings
    "plot_sounding", "plot_ves_reconstruction", "plot_ves_reconstructions", "plot_ves_example",
    "plot_mt_example", "plot_refraction_example", "phase_limits",
    # bodies
    "body_outline", "section_depth", "plot_anomaly_over_body", "plot_body_example",
    "plot_self_potential_example",
    # examples of any forward model
    "EXAMPLE_FIGURES", "plot_example", "plot_examples", "plot_generic_example",
    "plot_example_bands", "example_height", "examples_height",
    # profile sections
    "plot_section", "plot_profile_sections", "position_edges", "layered_section", "mark_flags",
    # field data
    "plot_sounding_fit", "plot_survey_section", "error_bar_lengths", "plot_sounding_posterior",
]
