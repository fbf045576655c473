"""Views of the members app, one module per audience: the public directory and applications, a
person's account, an institution's contacts, the secretariat."""
