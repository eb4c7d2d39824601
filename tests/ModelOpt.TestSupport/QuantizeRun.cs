using ModelOpt.Engine.Config;
using ModelOpt.Engine.IR;
using ModelOpt.Engine.Passes;
using ModelOpt.Engine.Passes.Quantize;
using ModelOpt.Validation;
using ModelOpt.Validation.Data;

namespace ModelOpt.TestSupport;

/// <summary>The quantize pass alone on a model, with a JSON config and real activations when samples are given.</summary>
public static class QuantizeRun
{
    public static PassReport Quantize(Model model, string config, SampleSet? calibration = null, PassContext? context = null)
    {
        context ??= new PassContext("test.onnx")
        {
            Config = OptimizeConfig.Parse(config),
            Calibration = calibration is null ? null : new OrtActivationSource(calibration),
        };
        return new PassPipeline([new QuantizePass()]).Run(model, context).Single();
    }
}
