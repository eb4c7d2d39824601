using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ModelOpt.Engine.Config;

/// <summary>
/// Where a settings object sits, for errors: its path in the document (for line and column),
/// the name people read (<c>prune</c>), a note (<c> (in overrides.opTypes.Conv)</c>), and a path
/// to try for keys the object got from elsewhere (an override's keys merged over the global section).
/// </summary>
public sealed record SettingsSite(ConfigPath Path, string Name, string Note = "", ConfigPath? Fallback = null)
{
    public SettingsSite Then(string key) => new(Path.Then(key), Name.Length == 0 ? key : $"{Name}.{key}", Note, Fallback?.Then(key));
}

/// <summary>
/// Binds JSON to <see cref="ISettings"/> records with System.Text.Json, reporting every problem
/// rather than the first: each key of an object is checked on its own (known? right JSON type?),
/// then the whole object is bound and the record's <see cref="ISettings.Check"/> runs.
/// </summary>
public static class SettingsBinder
{
    /// <summary>camelCase keys, enums by kebab-case name (<c>after-compressed</c>), nothing unknown, no numbers in strings, no comments needed.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            NumberHandling = JsonNumberHandling.Strict,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false));
        options.MakeReadOnly();
        return options;
    }

    /// <summary>Binds <paramref name="json"/> to <typeparamref name="T"/>; null (with the problems added) when anything is wrong.</summary>
    public static T? Bind<T>(JsonObject json, SettingsSite site, ConfigProblems problems) where T : class, ISettings =>
        (T?)Bind(json, typeof(T), site, problems);

    /// <summary>Binds a settings object of a type known only at run time (a pass's <see cref="Passes.IPass.SettingsType"/>).</summary>
    public static ISettings? Bind(JsonObject json, Type type, SettingsSite site, ConfigProblems problems)
    {
        if (!typeof(ISettings).IsAssignableFrom(type)) throw new ArgumentException($"{type} is not an ISettings record", nameof(type));
        return (ISettings?)BindValue(json, type, site, problems);
    }

    /// <summary>The JSON keys of a settings record, in declaration order.</summary>
    public static IReadOnlyList<string> KeysOf(Type type) => Options.GetTypeInfo(type).Properties.Where(p => p.Set is not null).Select(p => p.Name).ToList();

    /// <summary>
    /// Like <see cref="Bind{T}"/>, but returns what the valid keys make even when others are wrong,
    /// so that a document's later checks (which need its sections) still run and report.
    /// </summary>
    public static T BindPartial<T>(JsonObject json, SettingsSite site, ConfigProblems problems) where T : class, ISettings, new() =>
        (T?)BindValue(json, typeof(T), site, problems, partial: true) ?? new T();

    private static object? BindValue(JsonNode? node, Type type, SettingsSite site, ConfigProblems problems, bool partial = false)
    {
        if (!typeof(ISettings).IsAssignableFrom(type))
        {
            try
            {
                return node is null && Nullable.GetUnderlyingType(type) is null && type.IsValueType
                    ? throw new JsonException("null")
                    : JsonSerializer.Deserialize(node, type, Options);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException or FormatException or OverflowException)
            {
                problems.Add(site.Path, atKey: false, $"'{site.Name}' must be {Describe(type)}, got {Shown(node)}.", site.Note, site.Fallback);
                return null;
            }
        }

        if (node is not JsonObject obj)
        {
            problems.Add(site.Path, atKey: false, $"'{site.Name}' must be an object with {List(KeysOf(type))}, got {Shown(node)}.", site.Note, site.Fallback);
            return null;
        }
        var info = Options.GetTypeInfo(type);
        var members = info.Properties.Where(p => p.Set is not null).ToDictionary(p => p.Name, StringComparer.Ordinal);
        // Keys that bind on their own; the object is bound from these alone, so the record's own
        // checks still run (and report) when a neighbouring key is wrong.
        var valid = new JsonObject();
        bool ok = true;
        foreach (var (key, value) in obj)
        {
            var child = site.Then(key);
            if (!members.TryGetValue(key, out var member))
            {
                problems.Add(child.Path, atKey: true, $"unknown setting '{child.Name}'{DidYouMean.Hint(key, members.Keys)} (expected {List(members.Keys)}).", site.Note, child.Fallback);
                ok = false;
            }
            else if (value is null)
            {
                if (AcceptsNull(member)) valid[key] = null;
                else
                {
                    problems.Add(child.Path, atKey: false, $"'{child.Name}' must be {Describe(member.PropertyType)}, got null.", site.Note, child.Fallback);
                    ok = false;
                }
            }
            else if (BindValue(value, member.PropertyType, child, problems) is null)
                ok = false;
            else
                valid[key] = value.DeepClone();
        }

        ISettings settings;
        try
        {
            settings = (ISettings)(JsonSerializer.Deserialize(valid, type, Options) ?? throw new JsonException("null"));
        }
        catch (JsonException e)
        {
            // Every key bound on its own above; what is left is a rule of the whole object.
            problems.Add(site.Path, atKey: false, $"'{site.Name}': {e.Message}", site.Note, site.Fallback);
            return null;
        }
        var given = new HashSet<string>(valid.Select(kv => kv.Key), StringComparer.Ordinal);
        foreach (var problem in settings.Check(given))
        {
            var at = problem.Key is null ? site : site.Then(problem.Key);
            problems.Add(at.Path, atKey: problem.Key is not null && !obj.ContainsKey(problem.Key), $"'{at.Name}' {problem.Message}", site.Note, at.Fallback);
            ok = false;
        }
        return ok || partial ? settings : null;
    }

    private static bool AcceptsNull(JsonPropertyInfo member) =>
        !member.PropertyType.IsValueType ? member.IsSetNullable : Nullable.GetUnderlyingType(member.PropertyType) is not null;

    /// <summary>What a value of <paramref name="type"/> looks like in JSON, for "must be …".</summary>
    public static string Describe(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } inner) return Describe(inner);
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int)) return $"a whole number (at most {int.MaxValue})";
        if (type == typeof(long)) return "a whole number";
        if (type == typeof(double) || type == typeof(float)) return "a number";
        if (type == typeof(string)) return "a string";
        if (type == typeof(JsonObject)) return "an object";
        if (type.IsEnum) return $"one of {string.Join(", ", EnumNames(type).Select(n => $"\"{n}\""))}";
        if (typeof(ISettings).IsAssignableFrom(type)) return $"an object with {List(KeysOf(type))}";
        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && ElementType(type) is { } element)
            return element == typeof(string) ? "an array of strings" : $"an array of {Describe(element)}";
        return $"a {type.Name}";
    }

    /// <summary>The names an enum is written with in JSON (the converter's spelling).</summary>
    public static IEnumerable<string> EnumNames(Type type) =>
        Enum.GetValues(type).Cast<object>().Select(v => JsonSerializer.Serialize(v, type, Options).Trim('"'));

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type).FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    private static string List(IEnumerable<string> keys)
    {
        var all = keys.Select(k => $"'{k}'").ToList();
        return all.Count switch
        {
            0 => "no settings",
            1 => all[0],
            _ => $"{string.Join(", ", all[..^1])} or {all[^1]}",
        };
    }

    private static string Shown(JsonNode? node)
    {
        string text = node?.ToJsonString() ?? "null";
        return text.Length <= 40 ? text : text[..37] + "...";
    }
}
