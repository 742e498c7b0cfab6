"""AWS compute for the Spark engines: the Pipes runners of Glue, EMR Serverless and EMR, and the packaging
of the project they run."""
