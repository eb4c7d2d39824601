using ModelOpt.Engine.Shapes;

namespace ModelOpt.Engine.Analysis;

/// <summary>How to analyze a model: input shapes, the device speed for the time estimate, an optional runtime fallback.</summary>
public sealed record AnalysisOptions
{
    public ShapeBindings Bindings { get; init; } = ShapeBindings.None;

    /// <summary>Floating-point operations per second the estimate divides by (see <c>DeviceProbe</c>).</summary>
    public required double DeviceFlops { get; init; }

    /// <summary>Fills shapes static inference leaves unknown by running the model once; null to skip.</summary>
    public IRuntimeShapeProvider? RuntimeShapes { get; init; }

    /// <summary>The name the report shows; the model's file name when null.</summary>
    public string? ModelName { get; init; }
}
