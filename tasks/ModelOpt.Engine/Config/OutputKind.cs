namespace ModelOpt.Engine.Config;

/// <summary>
/// What an output is taken for when the optimized model is judged against the original: how the
/// application reads it decides which figure means something (docs/validation.md, "Output kinds").
/// </summary>
public enum OutputKind
{
    /// <summary>Class scores along a class axis (a classifier, per frame, per pixel): top-1 agreement, accuracy with labels.</summary>
    Classes,

    /// <summary>A one-channel probability map or mask: each pixel's side of the threshold.</summary>
    Mask,

    /// <summary>A feature vector or embedding: cosine per sample; no class axis, no agreement.</summary>
    Features,

    /// <summary>Boxes or other regressed values: error per sample; no class axis, no agreement.</summary>
    Regression,
}
