using ModelOpt.Engine.Config;
using ModelOpt.Engine.IO;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Refit;

namespace ModelOpt.Optimizer.Search;

/// <summary>The refit the search's trials run when the user sets none: every layer, where the model is small enough.</summary>
public static class SearchRefitDefault
{
    /// <summary>
    /// Forward-pass FLOPs one trial's refit may cost (linear layers × calibration samples × FLOPs
    /// per sample) for the search to refit every layer after a change rather than only the one after
    /// each compressed layer: 10× the work the default calibration count buys.
    /// </summary>
    public const double AllLayersWork = 10 * CalibrationConfig.DefaultWork;

    /// <summary>
    /// Refit of every layer whose inputs changed lowered the drop in every case measured (LeNet-5
    /// pruned: 0.45 → 0.2 points), but it streams the calibration samples once per linear layer: the
    /// search makes it the default of its trials only where that costs at most <see cref="AllLayersWork"/>,
    /// and never over the user's own <c>refit.layers</c>.
    /// </summary>
    public static SearchRequest Apply(SearchRequest request)
    {
        if (request.Config.SettingsFor(RefitPass.PassName).ContainsKey("layers") || request.Calibration is null) return request;
        var model = ModelLoader.Load(request.ModelPath);
        var flops = OptimizeJob.Figures(request.Validation.Bindings)(model).Flops;
        int linear = model.Graph.AllNodes().Count(n => n.Domain.Length == 0 && n.OpType is "Conv" or "Gemm" or "MatMul");
        if (flops is not long f || f <= 0 || (double)f * linear * request.Calibration.SampleCount > AllLayersWork) return request;
        var all = OptimizeConfig.ParsePassSettings($$"""{ "{{RefitPass.PassName}}": { "layers": "all" } }""", "the search's refit default", request.Registry);
        return request with { Config = request.Config.WithPassSettings(all) };
    }
}
