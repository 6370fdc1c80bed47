"""OutageTray: know first when the social platforms a business depends on fail."""

__version__ = "0.1.0"
