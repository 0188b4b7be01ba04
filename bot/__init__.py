"""SMM storefront bot: composition root, configuration, use-cases and scheduler jobs."""
