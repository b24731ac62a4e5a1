"""Settings of the deadline-rush benchmark (``bench/rush.py``): the production settings, with
the bench's URLconf, which adds one bare view to measure the framework's own speed against.
Never used by the product."""

from kcity.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.rush_urls"
