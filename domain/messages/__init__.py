"""Patient-facing messages: typed parameters (params.py), templates per language
(catalog.py) and one renderer formatting for the reader's locale (render.py).

Ops and centre messages stay in English and are plain text built where they arise;
only what the patient reads is templated and translated. Import the submodules:
this package stays import-light so workflow code can use params.py without Babel.
"""
