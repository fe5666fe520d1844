"""The region tree: province, former districts, communes and wards, or any grouping."""
