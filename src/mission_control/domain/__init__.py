"""The rules of the board in plain Python: no framework is imported below this package."""
