using ModelOpt.Engine.IR;

namespace ModelOpt.Engine.IO;

/// <summary>Deep copies of a model, e.g. the pristine teacher a lossy pipeline is compared against.</summary>
public static class ModelCopy
{
    /// <summary>
    /// An independent copy: a round trip through the protobuf form, cloned so that no tensor or
    /// node message is shared. External data is read in and kept inline in the copy.
    /// </summary>
    public static Model Of(Model model)
    {
        var proto = ModelWriter.ToProto(model).Clone();
        return ModelLoader.FromProto(proto, model.SourcePath ?? "(in-memory model)", fromFile: model.SourcePath is not null);
    }
}
