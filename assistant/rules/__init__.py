"""The rules backend's parser: plain-English requests to segment specs, grounded in the catalog."""
