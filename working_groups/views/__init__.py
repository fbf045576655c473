"""Views of the working-groups app: the groups (groups.py) and the initiatives (initiatives.py)."""
