"""Letters: Jinja2 templates and CSS rendered to PDF with WeasyPrint. Pure: data in, bytes out.

Import from the modules (``letters.kinds``, ``letters.render``, ...): this package re-exports
nothing, so listing the kinds loads neither Jinja2 nor WeasyPrint.
"""
