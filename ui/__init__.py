"""The user interface's shared parts: the page list and frame, form helpers and widgets.

Pages (pages/) are short scripts; what more than one page draws lives here. This package imports
Streamlit, so it stays out of the domain package (assessments/), and it holds no SQL: it reads
and writes through assessments.store like the pages do.
"""
