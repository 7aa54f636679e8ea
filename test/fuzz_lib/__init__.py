"""The pieces of test/fuzz.py: core (machinery and oracle), gen (random
inputs), graph, and one module per family of inputs."""
