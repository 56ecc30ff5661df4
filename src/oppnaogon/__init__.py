"""oppnaogon — "med öppna ögon": gender-equality analysis of Swedish social-services ISU extracts."""

__version__ = "0.1.0"
