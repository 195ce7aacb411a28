"""Sagittal vertebral body and disc segmentation: data, network, training and ONNX export."""
