"""Training code for deepspine models. The product (TypeScript) extracts the training inputs;
this package trains on them and exports ONNX models for onnxruntime-node."""
