"""Per-disc grading of degenerative findings: crops data, multi-task ResNeXt, training and ONNX export."""
