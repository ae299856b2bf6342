namespace ModelMerge.Formats.Recipes;

/// <summary>
/// Reads a model reference in either form of §8.1. Every fault, including a missing
/// <c>model</c> in the mapping form, is a <see cref="RecipeErrors.ModelReference"/> error.
/// </summary>
internal static class ModelReferenceReader
{
    private const string Expected = "a model reference (path[@revision][+lora[@revision]] or {model: {path, revision}, lora: ...})";

    public static ModelReference? ReadOptional(RecipeNode? node) => node is null ? null : Read(node);

    public static ModelReference Read(RecipeNode node)
    {
        if (node.IsSequence) throw node.Error(RecipeErrors.ModelReference, $"expected {Expected}, found a list");
        if (!node.IsMapping)
        {
            string text = node.Text(RecipeErrors.ModelReference, Expected);
            if (!ModelReference.TryParse(text, out var reference, out var reason)) throw node.Error(RecipeErrors.ModelReference, reason);
            return reference with { Location = node.Location };
        }

        var mapping = node.Mapping(RecipeErrors.ModelReference, Expected, "model", "lora", "override_architecture");
        var (path, revision) = ReadPath(mapping.Required("model", RecipeErrors.ModelReference, "the model's {path, revision} or path[@revision]"), "model");
        var lora = mapping.Optional("lora") is { } loraNode ? ReadPath(loraNode, "LoRA") : ((string?)null, (string?)null);
        string? architecture = mapping.Optional("override_architecture")?.OptionalText(RecipeErrors.ModelReference, "an architecture name");
        return new ModelReference(path, revision, lora.Item1, lora.Item2, architecture) { Location = node.Location };
    }

    /// <summary>One <c>{path, revision}</c>, or its string shorthand <c>path[@revision]</c> as mergekit's ModelPath accepts.</summary>
    private static (string Path, string? Revision) ReadPath(RecipeNode node, string what)
    {
        if (!node.IsMapping)
        {
            string text = node.Text(RecipeErrors.ModelReference, $"the {what} path[@revision] or {{path, revision}}");
            if (text.Contains('+'))
                throw node.Error(RecipeErrors.ModelReference, $"'{YamlScalar.Shorten(text)}': a '+' adapter belongs in the lora key of the mapping form, not in its {what} path");
            if (!ModelReference.TryParsePart(text, text, what, out var path, out var revision, out var reason))
                throw node.Error(RecipeErrors.ModelReference, reason);
            return (path, revision);
        }

        var mapping = node.Mapping(RecipeErrors.ModelReference, $"the {what} {{path, revision}}", "path", "revision");
        var pathNode = mapping.Required("path", RecipeErrors.ModelReference, $"the {what} path");
        string pathText = pathNode.Text(RecipeErrors.ModelReference, $"the {what} path");
        if (pathText.Trim().Length == 0) throw pathNode.Error(RecipeErrors.ModelReference, $"the {what} path is empty");
        var revisionNode = mapping.Optional("revision");
        string? revisionText = revisionNode?.OptionalText(RecipeErrors.ModelReference, $"the {what} revision");
        if (revisionText is { } r && r.Trim().Length == 0) throw revisionNode!.Error(RecipeErrors.ModelReference, $"the {what} revision is empty");
        return (pathText, revisionText);
    }
}
