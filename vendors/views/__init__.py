"""Directory pages: public (``public``), directory administrators (``administration``), supplier
staff (``supplier``). Views parse input, call a selector or service and render."""
