*: examplec
