"""Domain operations as plain functions over the database session."""
