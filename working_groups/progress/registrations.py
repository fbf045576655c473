"""What this app adds to pages of the layers below (members/extensions.py)."""


def register():
    pass
