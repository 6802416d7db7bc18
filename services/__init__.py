"""Domain operations as plain functions over the database session, for api/ and dashboard/."""
