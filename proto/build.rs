//! Compiles `perfusion/v1/*.proto` with protox (pure Rust), so a fresh machine
//! needs no `protoc`, and writes the file descriptor set that server
//! reflection serves.

use std::{env, error::Error, path::PathBuf};

fn main() -> Result<(), Box<dyn Error>> {
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    println!("cargo:rerun-if-changed=perfusion");

    let mut compiler = protox::Compiler::new(["."])?;
    compiler
        .include_imports(true)
        .include_source_info(true)
        .open_file("perfusion/v1/aggregator.proto")?;
    std::fs::write(
        out_dir.join("perfusion_descriptor.bin"),
        compiler.encode_file_descriptor_set(),
    )?;
    tonic_prost_build::configure().compile_fds(compiler.file_descriptor_set())?;
    Ok(())
}
