"""Secret detection: token families (data in ``rules/``) and their offline validators."""
