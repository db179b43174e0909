"""Modules and how they are taught: library, reader, glossary, slides and presenter mode."""
