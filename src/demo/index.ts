/** Synthetic lumbar spine MRI phantom: the built-in demo study and a fixture for geometry tests. */
export {
  phantomDiscLevels,
  phantomVertebraNames,
  verseIds,
  type DiscOptions,
  type PhantomDiscLevel,
  type PhantomOptions,
  type PhantomVertebraName,
} from './anatomy.js';
export {
  createPhantom,
  sagittalCenter,
  samplePhantomVolumes,
  semanticClasses,
  semanticClassOf,
  type DiscHeights,
  type DiscTruth,
  type Phantom,
  type PhantomVolumeOptions,
  type PhantomVolumes,
  type VertebraTruth,
} from './phantom.js';
export { axialBlockLevels, planStudySeries, renderSlice, type AxialLayout, type SeriesPlan, type SlicePlane } from './series.js';
export { createDemoStudy, writeDemoStudy, type DemoSeriesTruth, type DemoStudyOptions, type DemoTruth } from './study.js';
export { tissueSignal, type TissueSample } from './tissue.js';
