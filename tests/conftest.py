"""Shared test set-up: a display-free matplotlib backend."""

import matplotlib

matplotlib.use("Agg")
