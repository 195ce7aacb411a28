export { discFrame, sagittalCropAffine, axialCropAffine, type DiscFrame, type CropGridSpec } from './frame.js';
export { resampleGrid, normalizeIntensity, percentileOfSorted, type ResampledGrid, type IntensityWindow, type IntensityWindowSpec } from './resample.js';
export { defaultCropSpec, extractCrop, extractDiscCrops, type Crop, type CropSpec, type DiscCrops, type StudyImages } from './extract.js';
export { encodeNpyFloat32, decodeNpyFloat32, writeNpyFloat32, readNpyFloat32, type NpyArray } from './npy.js';
export {
  cropFormat,
  csvField,
  extractCrops,
  manifestColumns,
  safeFileName,
  writeCropManifest,
  writeDiscCrops,
  type CropManifestRow,
  type WriteCropsOptions,
} from './write.js';
