"""The public start page and safety advice."""
