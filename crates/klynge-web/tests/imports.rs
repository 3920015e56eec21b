//! The import screens and the organisations export over real HTTP: a real server on a real
//! SQLite file with two clusters; upload, preview, dry run, confirm and progress as a browser
//! without JavaScript would go through them.

use std::collections::HashMap;

use klynge_domain::{
    Cluster, ClusterId, Cvr, MunicipalityCode, Name, Organisation, OrganisationKind, Registration,
    Slug,
};
use klynge_store::{DatabaseUrl, Role, Store};
use reqwest::StatusCode;
use reqwest::redirect::Policy;

const PASSWORD: &str = "a-long-test-password";

struct App {
    base: String,
    store: Store,
    alpha: ClusterId,
    beta: ClusterId,
    _dir: tempfile::TempDir,
}

async fn spawn() -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = DatabaseUrl::Sqlite(dir.path().join("web.sqlite"));
    let store = Store::open(&url).await.expect("open store");
    let mut clusters = Vec::new();
    for (slug, name) in [("alpha", "Alpha Klynge"), ("beta", "Beta Klynge")] {
        let id = store
            .create_cluster(&Cluster {
                slug: Slug::parse(slug).expect("slug"),
                name: Name::parse(name).expect("name"),
                strength_area: Name::parse("Test").expect("name"),
                emerging: false,
            })
            .await
            .expect("cluster");
        clusters.push(id);
    }
    for (name, cvr) in [
        ("Østergaard Æblemost ApS", 10000009),
        ("Blåbær Robotics A/S", 10000017),
    ] {
        store
            .create_organisation(&Organisation {
                name: Name::parse(name).expect("name"),
                kind: OrganisationKind::Company,
                registration: Registration::Danish {
                    cvr: Some(Cvr::from_u32(cvr).expect("cvr")),
                    municipality: MunicipalityCode::new(259).ok(),
                },
                employment: None,
                industry: None,
            })
            .await
            .expect("organisation");
    }
    let users = [
        ("staff-a", Role::ClusterStaff, Some(clusters[0])),
        ("admin-a", Role::ClusterAdmin, Some(clusters[0])),
        ("staff-b", Role::ClusterStaff, Some(clusters[1])),
        ("partner", Role::Partner, None),
    ];
    for (login, role, cluster) in users {
        klynge_web::add_user(&store, login, login, PASSWORD, role, cluster, None)
            .await
            .expect("user");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let s = store.clone();
    tokio::spawn(async move {
        let _ = klynge_web::serve(s, listener, std::future::pending()).await;
    });
    App {
        base,
        store,
        alpha: clusters[0],
        beta: clusters[1],
        _dir: dir,
    }
}

/// A browser-like client: keeps its cookies, follows no redirects.
struct Client {
    http: reqwest::Client,
    base: String,
    cookies: HashMap<String, String>,
}

struct Answer {
    status: StatusCode,
    location: String,
    body: String,
}

impl Client {
    fn new(base: &str) -> Client {
        Client {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("client"),
            base: base.to_string(),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let r = request
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("request");
        for v in r.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap_or_default();
            if let Some((k, rest)) = v.split_once('=') {
                let value = rest.split(';').next().unwrap_or_default();
                self.cookies.insert(k.to_string(), value.to_string());
            }
        }
        let status = r.status();
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = r.text().await.unwrap_or_default();
        Answer {
            status,
            location,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Answer {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    async fn post_form(&mut self, path: &str, form: &[(String, String)]) -> Answer {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    async fn sign_in(&mut self, login: &str) {
        let page = self.get("/sign-in").await;
        let csrf = hidden(&page.body, "csrf").expect("csrf on the sign-in page");
        let a = self
            .post_form(
                "/sign-in",
                &[
                    ("csrf".into(), csrf),
                    ("login".into(), login.into()),
                    ("password".into(), PASSWORD.into()),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "sign-in of {login}");
    }

    /// Uploads `bytes` as `file_name` holding `entity`, with the page's form token.
    async fn upload(&mut self, entity: &str, file_name: &str, bytes: Vec<u8>) -> Answer {
        let page = self.get("/imports").await;
        let csrf = hidden(&page.body, "csrf").unwrap_or_default();
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf)
            .text("entity", entity.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
            );
        let request = self
            .http
            .post(format!("{}/imports", self.base))
            .multipart(form);
        self.send(request).await
    }

    /// Confirms the import shown at `page_path` (the commit form's hidden fields, plus
    /// `extra`) and follows the progress page until the import is done; returns that page.
    async fn commit(&mut self, page_path: &str, extra: &[(&str, &str)]) -> String {
        let preview_path = page_path.split('?').next().unwrap_or_default();
        let page = self.get(page_path).await;
        let form_html = page
            .body
            .split("id=\"commit-form\"")
            .nth(1)
            .expect("a commit form on the preview")
            .split("</form>")
            .next()
            .unwrap_or_default()
            .to_string();
        let mut fields: Vec<(String, String)> = hidden_fields(&form_html);
        for (k, v) in extra {
            fields.push((k.to_string(), v.to_string()));
        }
        let a = self
            .post_form(&format!("{preview_path}/commit"), &fields)
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
        assert_eq!(a.location, format!("{preview_path}/progress"));
        // The page refreshes itself while the import runs; a browser would reload it.
        for _ in 0..600 {
            let p = self.get(&a.location).await;
            assert_eq!(p.status, StatusCode::OK);
            if !p.body.contains("http-equiv=\"refresh\"") {
                return p.body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the import did not finish");
    }
}

fn urlencode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of the first hidden input named `name`.
fn hidden(html: &str, name: &str) -> Option<String> {
    html.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(str::to_string)
}

fn hidden_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .filter_map(|s| {
            let (name, rest) = s.split_once('"')?;
            let value = rest.split("value=\"").nth(1)?.split('"').next()?;
            Some((name.to_string(), value.to_string()))
        })
        .collect()
}

async fn contact_names(store: &Store, cluster: ClusterId) -> Vec<String> {
    let mut names: Vec<String> = store
        .cluster(cluster)
        .await
        .expect("cluster")
        .all_persons()
        .await
        .expect("persons")
        .into_iter()
        .map(|(_, p)| p.name.as_str().to_string())
        .collect();
    names.sort();
    names
}

const CONTACTS: &str = "Navn;E-mail;Telefon;Firma CVR\n\
    Mette Ærbødig;mette@aeblemost.dk;+45 1234 5678;10000009\n\
    Jens Blå;jens@blaabaer.dk;;10000017\n";

#[tokio::test]
async fn upload_preview_and_confirm_write_the_rows_into_the_own_cluster() {
    let app = spawn().await;
    let mut c = Client::new(&app.base);
    c.sign_in("staff-a").await;
    let a = c
        .upload("contacts", "kontakter.csv", CONTACTS.as_bytes().to_vec())
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let preview_path = a.location.clone();
    assert!(preview_path.starts_with("/imports/"), "{preview_path}");

    let preview = c.get(&preview_path).await;
    // The first rows and the detected mapping; "Firma CVR" is not a known header, so the
    // dry run asks for the organisation's column.
    assert_eq!(
        preview.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        preview.body
    );
    let html = &preview.body;
    assert!(html.contains("Mette Ærbødig") && html.contains("jens@blaabaer.dk"));
    assert!(html.contains("<option value=\"email\" selected>"), "{html}");
    assert!(html.contains("id=\"import-problem\""), "{html}");
    assert!(!html.contains("id=\"commit-form\""), "{html}");

    // Mapping the column by hand: the dry run counts two new contacts.
    let mapped = format!("{preview_path}?c0=name&c1=email&c2=phone&c3=cvr");
    let preview = c.get(&mapped).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        preview.body.contains("id=\"count-created\">2<"),
        "{}",
        preview.body
    );
    assert!(contact_names(&app.store, app.alpha).await.is_empty());

    // The commit form carries the chosen mapping.
    let done = c.commit(&mapped, &[]).await;
    assert!(done.contains("id=\"import-written\""), "{done}");
    assert!(done.contains("id=\"count-created\">2<"), "{done}");
    assert_eq!(
        contact_names(&app.store, app.alpha).await,
        vec!["Jens Blå", "Mette Ærbødig"]
    );
    assert!(contact_names(&app.store, app.beta).await.is_empty());

    // The upload is gone with its import: a second commit does nothing more.
    let again = c.get(&preview_path).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn bad_rows_are_listed_and_nothing_is_written_unless_the_valid_rows_are_chosen() {
    let app = spawn().await;
    let mut c = Client::new(&app.base);
    c.sign_in("admin-a").await;
    let file = "Navn;E-mail;CVR-nr.\n\
        Mette Ærbødig;mette@aeblemost.dk;10000009\n\
        Bo Dårlig;bo(at)blaabaer.dk;10000017\n\
        Ida Ukendt;ida@example.dk;12345678\n";
    let a = c
        .upload("contacts", "kontakter.csv", file.as_bytes().to_vec())
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let preview = c.get(&a.location).await;
    let html = &preview.body;
    assert!(html.contains("id=\"count-invalid\">2<"), "{html}");
    assert!(html.contains("id=\"row-errors\""), "{html}");
    // Row number, column and a Danish message (the default language).
    assert!(
        html.contains("<td>3</td><td>E-mail</td>") && html.contains("bo(at)blaabaer.dk"),
        "{html}"
    );
    assert!(html.contains("<td>4</td><td>CVR-nr.</td>"), "{html}");
    assert!(html.contains("name=\"valid_rows\""), "{html}");

    // Confirming without choosing "import the valid rows" writes nothing.
    let done = c.commit(&a.location, &[]).await;
    assert!(done.contains("id=\"import-not-written\""), "{done}");
    assert!(done.contains("<td>3</td><td>E-mail</td>"), "{done}");
    assert!(contact_names(&app.store, app.alpha).await.is_empty());

    // Uploaded again, with the explicit choice: the one valid row is written.
    let a = c
        .upload("contacts", "kontakter.csv", file.as_bytes().to_vec())
        .await;
    let done = c.commit(&a.location, &[("valid_rows", "1")]).await;
    assert!(done.contains("id=\"import-written\""), "{done}");
    assert_eq!(
        contact_names(&app.store, app.alpha).await,
        vec!["Mette Ærbødig"]
    );
}

#[tokio::test]
async fn windows_1252_csv_works_through_the_web() {
    let app = spawn().await;
    let mut c = Client::new(&app.base);
    c.sign_in("staff-a").await;
    // "Søren Æbelø" and "Køge" as older Danish Excel saves them.
    let file = b"Navn;E-mail;CVR-nr.;Kommune\r\nS\xf8ren \xc6bel\xf8;soren@aeblemost.dk;10000009;K\xf8ge\r\n"
        .to_vec();
    let a = c.upload("contacts", "gammel.csv", file).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    let preview = c.get(&a.location).await;
    assert!(preview.body.contains("Søren Æbelø"), "{}", preview.body);
    assert!(preview.body.contains("Windows-1252"), "{}", preview.body);
    let done = c.commit(&a.location, &[]).await;
    assert!(done.contains("id=\"import-written\""), "{done}");
    assert_eq!(
        contact_names(&app.store, app.alpha).await,
        vec!["Søren Æbelø"]
    );
}

#[tokio::test]
async fn only_the_uploading_staff_member_reaches_an_upload_and_other_roles_none() {
    let app = spawn().await;
    let mut staff = Client::new(&app.base);
    staff.sign_in("staff-a").await;
    let a = staff
        .upload("contacts", "kontakter.csv", CONTACTS.as_bytes().to_vec())
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let token_path = a.location.clone();

    // A partner has no import screens at all.
    let mut partner = Client::new(&app.base);
    partner.sign_in("partner").await;
    assert_eq!(partner.get("/imports").await.status, StatusCode::FORBIDDEN);
    assert_eq!(partner.get(&token_path).await.status, StatusCode::FORBIDDEN);
    let up = partner
        .upload("contacts", "x.csv", CONTACTS.as_bytes().to_vec())
        .await;
    assert_eq!(up.status, StatusCode::FORBIDDEN);

    // Staff of another cluster do not find the upload, and cannot commit it.
    let mut other = Client::new(&app.base);
    other.sign_in("staff-b").await;
    assert_eq!(other.get(&token_path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.get(&format!("{token_path}/progress")).await.status,
        StatusCode::NOT_FOUND
    );
    let page = other.get("/imports").await;
    let csrf = hidden(&page.body, "csrf").unwrap_or_default();
    let posted = other
        .post_form(
            &format!("{token_path}/commit"),
            &[
                ("csrf".into(), csrf),
                ("c0".into(), "name".into()),
                ("c1".into(), "email".into()),
                ("c2".into(), "-".into()),
                ("c3".into(), "cvr".into()),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::NOT_FOUND);

    // A commit without the form token is refused.
    let refused = staff
        .post_form(
            &format!("{token_path}/commit"),
            &[("c0".into(), "name".into())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // An upload without the form token is refused and keeps nothing.
    let form = reqwest::multipart::Form::new()
        .text("entity", "contacts")
        .part(
            "file",
            reqwest::multipart::Part::bytes(CONTACTS.as_bytes().to_vec()).file_name("k.csv"),
        );
    let request = staff
        .http
        .post(format!("{}/imports", app.base))
        .multipart(form);
    assert_eq!(staff.send(request).await.status, StatusCode::FORBIDDEN);
    assert!(contact_names(&app.store, app.alpha).await.is_empty());
    assert!(contact_names(&app.store, app.beta).await.is_empty());
}

#[tokio::test]
async fn a_file_that_is_no_spreadsheet_or_no_file_is_refused_at_the_field() {
    let app = spawn().await;
    let mut c = Client::new(&app.base);
    c.sign_in("staff-a").await;
    let a = c.upload("contacts", "tom.csv", Vec::new()).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains("id=\"upload-error\""), "{}", a.body);
    let a = c
        .upload("shoes", "k.csv", CONTACTS.as_bytes().to_vec())
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.body.contains("id=\"upload-error\""), "{}", a.body);
}

#[tokio::test]
async fn the_filtered_organisations_list_exports_to_csv_and_xlsx() {
    let app = spawn().await;
    let mut c = Client::new(&app.base);
    c.sign_in("staff-a").await;
    let list = c.get("/organisations?name=Bl%C3%A5b%C3%A6r").await;
    assert!(
        list.body
            .contains("/organisations/export?format=csv&amp;name=Bl")
    );
    let csv = c
        .get("/organisations/export?format=csv&name=Bl%C3%A5b%C3%A6r")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("Blåbær Robotics A/S"), "{}", csv.body);
    assert!(csv.body.contains("10000017"), "{}", csv.body);
    assert!(!csv.body.contains("Østergaard"), "{}", csv.body);
    let request = c
        .http
        .get(format!("{}/organisations/export?format=xlsx", app.base))
        .header("cookie", c.cookie_header());
    let r = request.send().await.expect("xlsx");
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.expect("body");
    assert!(bytes.starts_with(b"PK\x03\x04"), "an XLSX is a zip file");
    let mut partner = Client::new(&app.base);
    partner.sign_in("partner").await;
    assert_eq!(
        partner.get("/organisations/export?format=csv").await.status,
        StatusCode::FORBIDDEN
    );
}
