"""Benefits without applying (免申即享): policies as data, matched against the base libraries, granted unless declined (POL-01)."""
