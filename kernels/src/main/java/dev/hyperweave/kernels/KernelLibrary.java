package dev.hyperweave.kernels;

import dev.hyperweave.cuda.CudaContext;
import dev.hyperweave.cuda.CudaFunction;
import dev.hyperweave.cuda.CudaModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hyperweave's kernels, loaded from the PTX packaged in this jar, with a way to experiment: point it
 * at a folder of your own PTX files ({@code --kernels DIR} or {@value #OVERRIDE_PROPERTY}) and any
 * kernel there with the same name as one of ours replaces it. A replacement must declare the same
 * parameter list (count and types, in order); a mismatch is refused when the library is opened,
 * naming the file, the kernel and both lists.
 *
 * <p>The user's PTX files are compiled (loaded into the context) when the library opens, so one that
 * the driver cannot compile fails there, with the JIT log; our own modules load on first use of one
 * of their kernels. The modules belong to the context: closing it releases them, and with them every kernel this library
 * handed out. {@link #function(String)} may be called from any thread.
 */
public final class KernelLibrary {
    /** System property naming a folder of replacement PTX files. */
    public static final String OVERRIDE_PROPERTY = "hyperweave.kernels";
    /** The op families, one PTX resource each. */
    public static final List<String> FAMILIES = List.of("elementwise", "gather", "loss", "matmul", "optim", "reduce");

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+([A-Za-z_$][\\w$]*)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.(\\w+)\\s+[\\w$]+(\\[\\d+\\])?");

    private final CudaContext context;
    private final Map<String, String> familyOf = new HashMap<>();       // kernel -> our family
    private final Map<String, List<String>> signatures = new HashMap<>(); // kernel -> our parameter types
    private final Map<String, Path> replacements = new HashMap<>();       // kernel -> user PTX file
    private final Map<String, String> texts = new HashMap<>();            // family or file -> PTX text
    private final Map<String, CudaModule> modules = new HashMap<>();
    private final Map<String, CudaFunction> functions = new HashMap<>();

    /**
     * Our kernels, replaced by those in {@code overrides} (null: none) where names match. Reads our PTX
     * and every {@code *.ptx} file directly in {@code overrides}, and checks the replacements'
     * parameter lists; nothing is loaded into the context yet. Kernels in the folder that are not ours
     * are ignored.
     *
     * @param context   the context to load modules into
     * @param overrides a folder of replacement PTX files, or null for none
     * @throws IllegalArgumentException if {@code overrides} is not a folder, a replacement's parameter
     *         list differs from ours, or two files define the same kernel of ours
     * @throws java.io.UncheckedIOException if a file in {@code overrides} cannot be read
     * @throws dev.hyperweave.cuda.CudaException naming the module load, with the JIT log, if a file
     *         with a replacement does not compile
     * @throws IllegalStateException if one of our PTX resources is missing from the jar
     */
    public KernelLibrary(CudaContext context, Path overrides) {
        this.context = context;
        for (String family : FAMILIES) {
            String ptx = resource(family);
            texts.put(family, ptx);
            for (Map.Entry<String, List<String>> e : entries(ptx).entrySet()) {
                familyOf.put(e.getKey(), family);
                signatures.put(e.getKey(), e.getValue());
            }
        }
        if (overrides != null) {
            scan(overrides);
            // JIT the user's files now, so a file that does not compile fails here, with its log,
            // rather than at the first launch of one of its kernels.
            for (Path file : new java.util.TreeSet<>(replacements.values())) {
                modules.computeIfAbsent(file.toString(), k -> context.loadModule(texts.get(k)));
            }
        }
    }

    /**
     * Our kernels, with replacements from the folder named by {@value #OVERRIDE_PROPERTY} if it is set
     * (a blank value counts as unset), as {@link #KernelLibrary(CudaContext, Path)} builds them.
     *
     * @param context the context to load modules into
     * @return the library
     * @throws IllegalArgumentException if the folder is missing or holds a replacement that does not
     *         fit, as for the constructor
     * @throws java.io.UncheckedIOException if a file in the folder cannot be read
     */
    public static KernelLibrary open(CudaContext context) {
        String dir = System.getProperty(OVERRIDE_PROPERTY);
        return new KernelLibrary(context, dir == null || dir.isBlank() ? null : Path.of(dir));
    }

    /**
     * The PTX text of one of our families, as packaged; replacements play no part.
     *
     * @param family one of {@link #FAMILIES}
     * @return the PTX source, read afresh from the jar on every call
     * @throws IllegalStateException if there is no such resource: {@code family} is not one of ours, or
     *         the jar is incomplete
     * @throws java.io.UncheckedIOException if the resource cannot be read
     */
    public static String resource(String family) {
        String path = "/dev/hyperweave/kernels/" + family + ".ptx";
        try (InputStream in = KernelLibrary.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing kernel resource " + path + " (hyperweave-kernels jar)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kernel name -> its parameter types ("u64", "f32", "b8[16]", ...), in order. */
    static Map<String, List<String>> entries(String ptx) {
        Map<String, List<String>> out = new HashMap<>();
        Matcher m = ENTRY.matcher(ptx.replaceAll("//[^\\n]*", ""));
        while (m.find()) {
            List<String> types = new ArrayList<>();
            Matcher p = PARAM.matcher(m.group(2));
            while (p.find()) types.add(p.group(1) + (p.group(2) == null ? "" : p.group(2)));
            out.put(m.group(1), types);
        }
        return out;
    }

    private void scan(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("kernel folder " + dir + " does not exist or is not a folder");
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.ptx")) {
            for (Path file : files) {
                String ptx = Files.readString(file);
                for (Map.Entry<String, List<String>> e : entries(ptx).entrySet()) {
                    String name = e.getKey();
                    List<String> ours = signatures.get(name);
                    if (ours == null) continue; // not one of ours: a helper the file may launch itself
                    if (!ours.equals(e.getValue())) {
                        throw new IllegalArgumentException(file + ": kernel " + name + " takes (" + String.join(", ", e.getValue())
                                + "), but the engine launches it with (" + String.join(", ", ours) + ")");
                    }
                    Path before = replacements.put(name, file);
                    if (before != null) throw new IllegalArgumentException("kernel " + name + " is in both " + before + " and " + file);
                    texts.put(file.toString(), ptx);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading kernel folder " + dir, e);
        }
    }

    /**
     * Kernels replaced from the user's folder, and where from.
     *
     * @return an unmodifiable map from kernel name to the PTX file that replaces it; empty when none
     */
    public Map<String, Path> replacements() {
        return Map.copyOf(replacements);
    }

    /**
     * The kernel {@code name}: the user's replacement if there is one, else ours. The first request for
     * a kernel of a family (or replacement file) loads that module into the context; the kernel is then
     * cached, and the same object is returned.
     *
     * @param name the kernel's .entry name
     * @return the kernel, valid until the context is closed
     * @throws IllegalArgumentException if none of our kernels has that name
     * @throws IllegalStateException if the kernel's module has yet to be loaded and the context was
     *         closed
     * @throws dev.hyperweave.cuda.CudaException naming cuModuleLoadDataEx, with the JIT log, if the
     *         module does not compile, or cuModuleGetFunction if it lacks the kernel
     */
    public synchronized CudaFunction function(String name) {
        CudaFunction f = functions.get(name);
        if (f != null) return f;
        String family = familyOf.get(name);
        if (family == null) throw new IllegalArgumentException("no kernel named " + name);
        Path file = replacements.get(name);
        String key = file == null ? family : file.toString();
        CudaModule module = modules.computeIfAbsent(key, k -> context.loadModule(texts.get(k)));
        f = module.function(name);
        functions.put(name, f);
        return f;
    }
}
