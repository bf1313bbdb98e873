"""The foundation layer: settings, the database, typed models and the clock."""
