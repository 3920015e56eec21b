//! The placeholder server over real HTTP on a real SQLite file.

use klynge_store::{DatabaseUrl, Store};

#[tokio::test]
async fn start_page_and_health_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let url =
        DatabaseUrl::parse(&format!("sqlite:{}", dir.path().join("k.sqlite").display())).unwrap();
    let store = Store::open(&url).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(klynge_web::serve(store, listener, async {
        let _ = stopped.await;
    }));

    let get = |path: &str| {
        let path = path.to_string();
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(
                format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
            )
            .await
            .unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).await.unwrap();
            out
        }
    };
    let health = get("/healthz").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let page = get("/").await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("Organisationer"), "{page}");
    assert!(page.contains("SQLite"), "{page}");
    let missing = get("/nope").await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
