/** Semantic classes of the segmentation, the same values as the label maps of the training data. */
export const segmentationClasses = { background: 0, vertebralBody: 1, disc: 2 } as const;

/** Names used in `meta.json` `annotated` lists, mapped to the class each one labels. */
export const annotationNames: Record<string, number> = {
  vertebral_body: segmentationClasses.vertebralBody,
  disc: segmentationClasses.disc,
};

/** The network downsamples four times, so plane sizes are padded to a multiple of 16. */
export const modelSizeMultiple = 16;

/** Value that padding takes after intensity normalisation (the bottom of the window). */
export const paddingValue = 0;
