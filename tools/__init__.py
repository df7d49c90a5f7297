"""Developer tools beside the product: throw-away services for tests and benchmarks."""
