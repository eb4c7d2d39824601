using ModelOpt.Engine.Onnx;

namespace ModelOpt.Engine.IR;

/// <summary>
/// A loaded ONNX model: the model-level fields (kept in <see cref="Template"/> so unknown fields,
/// metadata, functions and training info survive) and the main <see cref="Graph"/>.
/// </summary>
public sealed class Model
{
    private Graph? _graph;

    internal Model(ModelProto template, string? sourcePath)
    {
        Template = template;
        SourcePath = sourcePath;
        BaseDirectory = sourcePath is null ? null : Path.GetDirectoryName(Path.GetFullPath(sourcePath));
    }

    /// <summary>
    /// A new, empty model importing the default ONNX domain at <paramref name="opset"/>; build its
    /// graph with <see cref="Graph.AddInput"/>, <see cref="Graph.AddInitializer"/>,
    /// <see cref="Graph.CreateNode"/> and <see cref="Graph.AddOutput"/>.
    /// </summary>
    public static Model Create(long opset = 17, long irVersion = 8, string graphName = "main", string producer = "ModelOpt")
    {
        var template = new ModelProto { IrVersion = irVersion, ProducerName = producer };
        template.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        var model = new Model(template, null);
        model.Graph = new Graph(new GraphProto { Name = graphName }, model, null, null);
        return model;
    }

    /// <summary>Everything in the model but its graph.</summary>
    public ModelProto Template { get; }

    public Graph Graph
    {
        get => _graph ?? throw new InvalidOperationException("The model has no graph.");
        internal set => _graph = value;
    }

    /// <summary>The file the model was loaded from, when it came from a file.</summary>
    public string? SourcePath { get; }

    /// <summary>The folder relative to which external data is resolved.</summary>
    public string? BaseDirectory { get; }

    public NameAuthority ValueNames { get; } = new();

    public NameAuthority NodeNames { get; } = new();

    public long IrVersion => Template.IrVersion;

    /// <summary>The operator set version imported for a domain ("" is the default ONNX domain), or null.</summary>
    public long? OpsetVersion(string domain = "")
    {
        foreach (var o in Template.OpsetImport)
        {
            string d = o.Domain == "ai.onnx" ? "" : o.Domain;
            if (d == domain) return o.Version;
        }
        return null;
    }

    /// <summary>Sets (or adds) the opset version imported for a domain.</summary>
    public void SetOpsetVersion(string domain, long version)
    {
        foreach (var o in Template.OpsetImport)
        {
            if ((o.Domain == "ai.onnx" ? "" : o.Domain) == domain)
            {
                o.Version = version;
                return;
            }
        }
        Template.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
    }

    /// <summary>The external-data location of a tensor met outside the initializer list (a Constant's value).</summary>
    internal ExternalDataRef? ResolveExternal(TensorProto tensor) => ExternalDataResolver?.Invoke(tensor);

    internal Func<TensorProto, ExternalDataRef?>? ExternalDataResolver { get; set; }
}
