"""Storage: SQLAlchemy 2 models, the engine and session factory, repositories that implement
the domain's Protocols, batch queries behind the dataloaders, and the demo-data generator."""
