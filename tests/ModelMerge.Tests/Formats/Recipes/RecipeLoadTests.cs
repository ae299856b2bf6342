using ModelMerge.Formats.Recipes;

namespace ModelMerge.Tests.Formats.Recipes;

/// <summary>Reading a recipe file: the text is kept verbatim for mergekit_config.yml (merge-semantics §7.6), errors name the file.</summary>
public sealed class RecipeLoadTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_file_reads_with_its_path_as_source_and_its_text_verbatim()
    {
        string path = _folder.Combine("recipe.yml");
        File.WriteAllText(path, ExampleRecipes.R3Ties);

        var recipe = MergeRecipe.Load(path);

        Assert.Equal("ties", recipe.MergeMethod);
        Assert.Equal(path, recipe.SourceName);
        Assert.Equal(ExampleRecipes.R3Ties, recipe.Text);
    }

    [Fact]
    public void Errors_in_a_file_start_with_its_path()
    {
        string path = _folder.Combine("bad.yml");
        File.WriteAllText(path, "merge_method: linear\nmodels: ./a\n");

        var ex = Assert.Throws<RecipeException>(() => MergeRecipe.Load(path));

        Assert.Equal(RecipeErrors.Schema, ex.ErrorId);
        Assert.StartsWith($"{path}:2:9: models: ", ex.Message);
    }

    [Fact]
    public void A_missing_file_is_unreadable()
    {
        string path = _folder.Combine("absent.yml");

        var ex = Assert.Throws<RecipeException>(() => MergeRecipe.Load(path));

        Assert.Equal(RecipeErrors.Unreadable, ex.ErrorId);
        Assert.Equal(path, ex.SourceName);
        Assert.Null(ex.Location);
    }

    [Fact]
    public void A_file_over_the_limit_is_refused_without_being_read()
    {
        string path = _folder.Combine("huge.yml");
        using (var stream = File.Create(path)) stream.SetLength(RecipeLimits.MaxTextLength + 1L);

        var ex = Assert.Throws<RecipeException>(() => MergeRecipe.Load(path));

        Assert.Equal(RecipeErrors.TooLarge, ex.ErrorId);
        Assert.Contains($"{RecipeLimits.MaxTextLength + 1L} bytes", ex.Message);
    }
}
