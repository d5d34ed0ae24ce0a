"""Letters: Jinja2 templates and CSS rendered to PDF with WeasyPrint. Pure: data in, bytes out."""
