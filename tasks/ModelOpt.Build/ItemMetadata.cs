using Microsoft.Build.Framework;
using ModelOpt.Engine.Config;

namespace ModelOpt.Build;

/// <summary>
/// The metadata an <c>OnnxModel</c> item may carry. Anything else is a typo until shown otherwise
/// (<c>MaxAcuracyDrop="0.01"</c> would otherwise be a budget nobody checks), so it is an error
/// naming the nearest known name.
/// </summary>
internal static class ItemMetadata
{
    /// <summary>The settings <see cref="ModelItemSettings"/> reads (each with a <c>ModelOpt*</c> property as its default).</summary>
    public static IEnumerable<string> Settings =>
    [
        "Passes", "Config", "PassSettings", "Data", "Shape", "Values", "State", "UsedOutputs", "OutputKinds", "CalibrationSamples", "Seed",
        "Labels", "Search", "SearchTime", "IntraOpThreads", "GraphOptimization", "ExecutionProvider", "MemoryCap",
        "FidelityFloor", "LockFile", "LockedMode", "DeployCpu", .. ModelItemSettings.BudgetMetadataNames,
    ];

    // What ModelOpt.Build.targets itself sets or reads on the item, and item metadata MSBuild, the SDK,
    // NuGet and IDEs give any file item (their well-known metadata such as FullPath never reach a task as custom metadata).
    private static readonly string[] Others =
    [
        "OptimizedPath", "ReportPath", "SettingsPath", "_RelativePath", "_RelativeReportPath", "_ModelOptRole", "_LockPath",
        "CopyToOutputDirectory", "CopyToPublishDirectory", "Link", "LinkBase", "Visible", "DependentUpon", "SubType",
        "Generator", "LastGenOutput", "CustomToolNamespace", "DesignTime", "AutoGen", "InProject", "Pack", "PackagePath",
        "PackageCopyToOutput", "ExcludeFromSingleFile", "TargetPath",
        "FullPath", "RootDir", "Filename", "Extension", "RelativeDir", "Directory", "RecursiveDir", "Identity",
        "ModifiedTime", "CreatedTime", "AccessedTime", "DefiningProjectFullPath", "DefiningProjectDirectory",
        "DefiningProjectName", "DefiningProjectExtension",
    ];

    /// <summary>One message per metadata name that is none of ours, MSBuild's or <paramref name="allowed"/>.</summary>
    public static IEnumerable<string> Unknown(ITaskItem item, IReadOnlyCollection<string> allowed)
    {
        var known = new HashSet<string>(Settings.Concat(Others).Concat(allowed), StringComparer.OrdinalIgnoreCase);
        foreach (string name in item.CloneCustomMetadata().Keys.Cast<string>().Order(StringComparer.Ordinal))
        {
            if (known.Contains(name)) continue;
            string hint = DidYouMean.Suggest(name, Settings) is { } near ? $" Did you mean '{near}'?" : $" The ModelOpt settings are: {string.Join(", ", Settings)}.";
            yield return $"the OnnxModel metadata {name}=\"{item.GetMetadata(name)}\" is not a ModelOpt setting, so it would be ignored.{hint}" +
                " Metadata for targets of your own: list its name in the ModelOptAllowedMetadata property.";
        }
    }
}
