"""smsurvey: self-hosted surveys over SMS."""

__version__ = "0.1.0"
