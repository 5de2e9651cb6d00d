"""Small helpers shared by the input checks of every module."""

__all__ = ["format_rows"]


def format_rows(rows, limit=10):
    """Row indices as a short readable list, e.g. ``'3, 17, 42'``.

    Parameters
    ----------
    rows : sequence of int
        Offending row indices.
    limit : int, optional
        At most this many indices are spelled out; the rest are counted
        (``'0, 1, ... and 40 more'``).

    Returns
    -------
    str
    """
    rows = [int(r) for r in rows]
    text = ", ".join(str(r) for r in rows[:limit])
    if len(rows) > limit:
        text += f" and {len(rows) - limit} more"
    return text
