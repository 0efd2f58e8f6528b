"""The survey platforms an export can come from (``--source``): a light module, so that the
command line can offer the choices without importing the readers."""

SOURCES = ("auto", "table", "qualtrics", "surveymonkey", "redcap", "forms", "spss", "excel")
