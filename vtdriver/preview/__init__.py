"""The optional on-screen preview: a pure renderer (``draw``) and a small OpenCV window
(``window``). Nothing here is imported on the headless path."""
