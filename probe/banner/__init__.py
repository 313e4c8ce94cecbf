"""Banner design checks: what probe measures on the consent banner, and the contrast formula."""

from probe.banner.contrast import contrast_ratio, relative_luminance

__all__ = ["contrast_ratio", "relative_luminance"]
