"""Local date and time formats that differ from Django's (``FORMAT_MODULE_PATH``)."""
