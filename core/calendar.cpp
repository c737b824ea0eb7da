// placeholder: implemented with the model
