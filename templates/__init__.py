"""Built-in PowerPoint templates (light, dark, print)."""
